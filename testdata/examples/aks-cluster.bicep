// An AKS cluster along the lines of Microsoft's AKS security guidance, with a few settings
// that keelhaul reports (see aks-cluster.bicep.expect). No Kubernetes version is pinned:
// AKS picks its default, and the scan does not depend on the date.

@description('Azure region of the cluster.')
param location string = resourceGroup().location

@description('Object ID of the Entra group whose members administer the cluster.')
param adminGroupObjectId string

@description('Resource ID of the subnet for the nodes.')
param nodeSubnetId string

var clusterName = 'aks-shop-prod'

resource aks 'Microsoft.ContainerService/managedClusters@2026-10-01' = {
  name: clusterName
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
    dnsPrefix: clusterName
    enableRBAC: true
    // Entra integration, but authorization stays with Kubernetes RoleBindings (no
    // enableAzureRBAC), and disableLocalAccounts is missing: the admin kubeconfig still works.
    aadProfile: {
      managed: true
      adminGroupObjectIDs: [
        adminGroupObjectId
      ]
      tenantID: subscription().tenantId
    }
    networkProfile: {
      networkPlugin: 'azure'
      // Azure Network Policy Manager enforces policies today, but it is being retired.
      networkPolicy: 'azure'
      serviceCidr: '10.0.0.0/16'
      dnsServiceIP: '10.0.0.10'
      loadBalancerSku: 'standard'
    }
    autoUpgradeProfile: {
      // Upgrades on the stable channel, but no maintenance window is planned below.
      upgradeChannel: 'stable'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    apiServerAccessProfile: {
      authorizedIPRanges: [
        '203.0.113.0/24'
        // Added "temporarily" for a hosted build agent: lets every address in.
        '0.0.0.0/0'
      ]
    }
    oidcIssuerProfile: {
      enabled: true
    }
    // No defender profile: the Defender for Containers sensor is not deployed.
    securityProfile: {
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
        vnetSubnetID: nodeSubnetId
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
        onlyCriticalAddonsEnabled: true
      }
    ]
  }
}

resource userPool 'Microsoft.ContainerService/managedClusters/agentPools@2026-10-01' = {
  parent: aks
  name: 'user'
  properties: {
    mode: 'User'
    count: 3
    vmSize: 'Standard_D8ds_v5'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    vnetSubnetID: nodeSubnetId
    availabilityZones: [
      '1'
      '2'
      '3'
    ]
  }
}

output controlPlaneFqdn string = aks.properties.fqdn
