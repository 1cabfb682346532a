variable "batch_count" {
  description = "Node count of the batch pool."
  type        = number
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-prod"
  location            = "westeurope"
  resource_group_name = "rg-aks-prod"
  dns_prefix          = "aks-prod"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4ds_v5"
    node_count = 3
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = "user"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  vm_size               = "Standard_D4ds_v5"
  auto_scaling_enabled  = true
  min_count             = 1
  max_count             = 6
}

resource "azurerm_kubernetes_cluster_node_pool" "batch" {
  name                  = "batch"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  vm_size               = "Standard_D4ds_v5"
  node_count            = var.batch_count
}

resource "azurerm_kubernetes_cluster_node_pool" "tuned" {
  name                  = "tuned"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  vm_size               = "Standard_D4ds_v5"
  node_count            = 5

  upgrade_settings {
    max_surge = "33%"
  }
}
