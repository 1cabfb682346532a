// scan: --as-of 2026-11-29

@description('Azure region of the clusters.')
param location string = resourceGroup().location

@description('Object ID of the Entra group that administers the clusters.')
param adminGroupObjectId string

@description('Resource ID of the Log Analytics workspace for Defender for Containers.')
param logAnalyticsWorkspaceId string

@description('Kubernetes version of the spot node pool.')
param spotPoolVersion string

// Supported on 2026-11-29: 1.35 until March 2027, 1.36 until June 2027.
resource aks 'Microsoft.ContainerService/managedClusters@2026-10-01' = {
  name: 'aks-prod'
  location: location
  tags: {
    environment: 'production'
    workload: 'shop'
  }
  sku: {
    name: 'Base'
    tier: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.35'
    dnsPrefix: 'aks-prod'
    enableRBAC: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: [
        adminGroupObjectId
      ]
      tenantID: subscription().tenantId
    }
    disableLocalAccounts: true
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      podCidr: '192.168.0.0/16'
      serviceCidr: '10.0.0.0/16'
      dnsServiceIP: '10.0.0.10'
      loadBalancerSku: 'standard'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    apiServerAccessProfile: {
      authorizedIPRanges: [
        '203.0.113.0/24'
        '198.51.100.17/32'
      ]
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      defender: {
        logAnalyticsWorkspaceResourceId: logAnalyticsWorkspaceId
        securityMonitoring: {
          enabled: true
        }
      }
      workloadIdentity: {
        enabled: true
      }
      imageCleaner: {
        enabled: true
        intervalHours: 168
      }
    }
    addonProfiles: {
      azurepolicy: {
        enabled: true
      }
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        osType: 'Linux'
        osSKU: 'AzureLinux'
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
        orchestratorVersion: '1.35.1'
      }
    ]
  }
}

resource aksUpgradeWindow 'Microsoft.ContainerService/managedClusters/maintenanceConfigurations@2026-10-01' = {
  parent: aks
  name: 'aksManagedAutoUpgradeSchedule'
  properties: {
    maintenanceWindow: {
      schedule: {
        weekly: {
          intervalWeeks: 1
          dayOfWeek: 'Sunday'
        }
      }
      durationHours: 4
      startTime: '02:00'
      utcOffset: '+00:00'
    }
  }
}

resource userPool 'Microsoft.ContainerService/managedClusters/agentPools@2026-10-01' = {
  parent: aks
  name: 'user'
  properties: {
    mode: 'User'
    count: 2
    vmSize: 'Standard_D8ds_v5'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    availabilityZones: [
      '1'
      '2'
      '3'
    ]
    orchestratorVersion: '1.36'
  }
}

// Version passed at deployment time (parameter without default): not judged.
resource spotPool 'Microsoft.ContainerService/managedClusters/agentPools@2026-10-01' = {
  parent: aks
  name: 'spot'
  properties: {
    mode: 'User'
    count: 2
    vmSize: 'Standard_D8ds_v5'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    availabilityZones: [
      '1'
      '2'
      '3'
    ]
    orchestratorVersion: spotPoolVersion
  }
}

// Long-term support on the Premium tier: 1.32 is supported until March 2027.
resource aksLts 'Microsoft.ContainerService/managedClusters@2026-10-01' = {
  name: 'aks-lts'
  location: location
  tags: {
    environment: 'production'
    workload: 'shop'
  }
  sku: {
    name: 'Base'
    tier: 'Premium'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.32'
    supportPlan: 'AKSLongTermSupport'
    dnsPrefix: 'aks-lts'
    enableRBAC: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: [
        adminGroupObjectId
      ]
      tenantID: subscription().tenantId
    }
    disableLocalAccounts: true
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      loadBalancerSku: 'standard'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    apiServerAccessProfile: {
      authorizedIPRanges: [
        '203.0.113.0/24'
        '198.51.100.17/32'
      ]
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      defender: {
        logAnalyticsWorkspaceResourceId: logAnalyticsWorkspaceId
        securityMonitoring: {
          enabled: true
        }
      }
      workloadIdentity: {
        enabled: true
      }
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 2
        vmSize: 'Standard_D4ds_v5'
        osType: 'Linux'
        osSKU: 'AzureLinux'
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
        orchestratorVersion: '1.32'
      }
    ]
  }
}

// A node pool of the LTS cluster follows the cluster's support plan.
resource ltsUserPool 'Microsoft.ContainerService/managedClusters/agentPools@2026-10-01' = {
  parent: aksLts
  name: 'user'
  properties: {
    mode: 'User'
    count: 2
    vmSize: 'Standard_D8ds_v5'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    availabilityZones: [
      '1'
      '2'
      '3'
    ]
    orchestratorVersion: '1.32'
  }
}

// No version pinned: AKS picks its default.
resource aksDev 'Microsoft.ContainerService/managedClusters@2026-10-01' = {
  name: 'aks-dev'
  location: location
  tags: {
    environment: 'development'
    workload: 'shop'
  }
  sku: {
    name: 'Base'
    tier: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    dnsPrefix: 'aks-dev'
    enableRBAC: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: [
        adminGroupObjectId
      ]
      tenantID: subscription().tenantId
    }
    disableLocalAccounts: true
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      loadBalancerSku: 'standard'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    apiServerAccessProfile: {
      authorizedIPRanges: [
        '203.0.113.0/24'
        '198.51.100.17/32'
      ]
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      defender: {
        logAnalyticsWorkspaceResourceId: logAnalyticsWorkspaceId
        securityMonitoring: {
          enabled: true
        }
      }
      workloadIdentity: {
        enabled: true
      }
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 2
        vmSize: 'Standard_D4ds_v5'
        osType: 'Linux'
        osSKU: 'AzureLinux'
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
      }
    ]
  }
}
